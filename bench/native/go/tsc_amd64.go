// SPDX-License-Identifier: GPL-2.0

package main

func tscStart() uint64
func tscStop() uint64
