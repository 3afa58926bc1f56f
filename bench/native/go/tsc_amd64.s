// SPDX-License-Identifier: GPL-2.0
// The fenced TSC reads of ../common.h: lfence; rdtsc before the timed
// operation, rdtscp; lfence after.

#include "textflag.h"

// func tscStart() uint64
TEXT ·tscStart(SB), NOSPLIT, $0-8
	LFENCE
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

// func tscStop() uint64
TEXT ·tscStop(SB), NOSPLIT, $0-8
	RDTSCP
	LFENCE
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET
