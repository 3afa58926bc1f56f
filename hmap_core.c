// SPDX-License-Identifier: GPL-2.0
/* placeholder until the map lands */
#include "hmap.h"
