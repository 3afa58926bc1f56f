// SPDX-License-Identifier: GPL-2.0

package main

// The key stream of ../common.h, word for word: keep the two in step.
const (
	benchSeed  uint64 = 0x6a09e667f3bcc909
	benchGamma uint64 = 0x9e3779b97f4a7c15
)

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func keyWord(i uint64, j int) uint64 {
	w0 := mix64(benchSeed + (i+1)*benchGamma)
	if j == 0 {
		return w0
	}
	return mix64(w0 + uint64(j)*benchGamma)
}

func benchRand(state *uint64) uint64 {
	*state += benchGamma
	return mix64(*state)
}
