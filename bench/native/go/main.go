// SPDX-License-Identifier: GPL-2.0

// Command bench_go runs the workloads of ../harness.hpp on Go's built-in
// map (Go 1.19: the classic bucket map with incremental growWork that hmap
// follows), with the same keys, values, repetitions and output rows.
//
// As a Go user writes it: map[uint64]uint64 for 8-byte keys and values,
// [2]uint64 / [4]uint64 keys and [8]uint64 values otherwise; no size hint;
// insert is m[k] = v (Go has no insert-if-absent), a lookup v, ok := m[k]
// copies the value out, delete is delete(m, k). Memory is the growth of
// runtime.MemStats.HeapAlloc after a forced GC. Go's map is not safe for
// concurrent readers beside a writer, so it has no concurrent phase.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

type options struct {
	ksize, vsize int
	n            uint64
	reps         int
	minOps       uint64
	seriesDir    string
	seriesPoints uint64
	only         string
}

var o options

func emit(workload, metric string, v float64, unit string) {
	fmt.Printf("go_map,%d,%d,%d,%s,%s,%.6g,%s\n", o.ksize, o.vsize, o.n,
		workload, metric, v, unit)
}

func die(what string) {
	fmt.Fprintf(os.Stderr, "go_map: %s\n", what)
	os.Exit(1)
}

func wanted(w string) bool {
	return o.only == "" || strings.Contains(","+o.only+",", ","+w+",")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Involuntary context switches of the calling OS thread (RUSAGE_THREAD).
func threadPreemptions() int64 {
	var ru syscall.Rusage
	const rusageThread = 1
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		die("getrusage: " + err.Error())
	}
	return ru.Nivcsw
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		die("getrusage: " + err.Error())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// span is a phase's wall time and the process's CPU time (every thread:
// the GC's workers too), as Span in ../harness.hpp.
type span struct {
	wall0     time.Time
	cpu0      time.Duration
	wall, cpu float64
}

func startSpan() span { return span{wall0: time.Now(), cpu0: cpuNow()} }

func (s *span) stop() {
	s.wall = time.Since(s.wall0).Seconds()
	s.cpu = (cpuNow() - s.cpu0).Seconds()
}

type rates struct{ wall, cpu []float64 }

func (r *rates) add(ops uint64, s span) {
	r.wall = append(r.wall, float64(ops)/s.wall)
	r.cpu = append(r.cpu, float64(ops)/s.cpu)
}

func (r *rates) emit(wl string) {
	emit(wl, "ops_per_s", median(r.wall), "ops/s")
	emit(wl, "ops_per_cpu_s", median(r.cpu), "ops/s")
}

func heapAlloc() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func tscPerNs() float64 {
	t0, c0 := time.Now(), tscStart()
	time.Sleep(100 * time.Millisecond)
	t1, c1 := time.Now(), tscStop()
	return float64(c1-c0) / float64(t1.Sub(t0).Nanoseconds())
}

// Words of a key or value, written through unsafe so one generic body
// serves uint64 and the arrays.
func setWord[T any](x *T, j int, w uint64) {
	*(*uint64)(unsafe.Add(unsafe.Pointer(x), 8*j)) = w
}

func firstWord[T any](x *T) uint64 { return *(*uint64)(unsafe.Pointer(x)) }

func makeKey[K comparable](i uint64) K {
	var k K
	for j := 0; j < int(unsafe.Sizeof(k))/8; j++ {
		setWord(&k, j, keyWord(i, j))
	}
	return k
}

func makeValue[V any](x uint64) V {
	var v V
	for j := 0; j < int(unsafe.Sizeof(v))/8; j++ {
		setWord(&v, j, x+uint64(j))
	}
	return v
}

func run[K comparable, V any]() {
	n := o.n
	ops := n
	if o.minOps > ops {
		ops = o.minOps
	}
	tpns := tscPerNs()
	rs := benchSeed ^ 0x5851f42d4c957f2d

	ins := make([]K, n)
	look := make([]K, n)
	miss := make([]K, n)
	for i := uint64(0); i < n; i++ {
		ins[i] = makeKey[K](i)
		miss[i] = makeKey[K](n + i)
	}
	perm := make([]uint32, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	for i := n - 1; i > 0; i-- { // Fisher-Yates, as the C++ harness
		j := benchRand(&rs) % (i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	for i := uint64(0); i < n; i++ {
		look[i] = ins[perm[i]]
	}
	isUpdate := make([]bool, ops)
	for j := range isUpdate {
		isUpdate[j] = benchRand(&rs)%10 == 0
	}
	lat := make([]uint64, n)

	{
		t := make([]uint64, 10000)
		for i := range t {
			a := tscStart()
			t[i] = tscStop() - a
		}
		sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
		emit("timer", "overhead_p50", float64(t[len(t)/2])/tpns, "ns")
	}

	var m map[K]V
	var insRates rates
	var heap0 int64
	for r := 0; r < o.reps; r++ {
		m = nil
		heap0 = heapAlloc()
		m = make(map[K]V)
		sp := startSpan()
		for i := uint64(0); i < n; i++ {
			m[ins[i]] = makeValue[V](i)
		}
		sp.stop()
		insRates.add(n, sp)
	}
	if uint64(len(m)) != n {
		die("insert lost keys")
	}
	insRates.emit("insert")
	emit("insert", "ops_per_s_first", insRates.wall[0], "ops/s")
	emit("memory", "bytes_per_entry", float64(heapAlloc()-heap0)/float64(n), "B")

	var sum uint64
	timedLookups := func(keys []K, hit bool, wl string) {
		var rt rates
		for rep := 0; rep < o.reps; rep++ {
			var found uint64
			sp := startSpan()
			for j, i := uint64(0), uint64(0); j < ops; j++ {
				if v, ok := m[keys[i]]; ok {
					found++
					sum += firstWord(&v)
				}
				if i++; i == n {
					i = 0
				}
			}
			sp.stop()
			want := uint64(0)
			if hit {
				want = ops
			}
			if found != want {
				die("lookup found the wrong keys")
			}
			rt.add(ops, sp)
		}
		rt.emit(wl)
	}
	if wanted("lookup") {
		timedLookups(look, true, "lookup_hit")
		timedLookups(miss, false, "lookup_miss")
	}

	if wanted("mixed") {
		var rt rates
		for rep := 0; rep < o.reps; rep++ {
			sp := startSpan()
			for j, i := uint64(0), uint64(0); j < ops; j++ {
				if isUpdate[j] {
					m[look[i]] = makeValue[V](j)
				} else if v, ok := m[look[i]]; ok {
					sum += firstWord(&v)
				} else {
					die("mixed lookup missed")
				}
				if i++; i == n {
					i = 0
				}
			}
			sp.stop()
			rt.add(ops, sp)
		}
		rt.emit("mixed_90_10")
	}

	if wanted("delete") {
		sp := startSpan()
		for i := uint64(0); i < n; i++ {
			delete(m, look[i])
		}
		sp.stop()
		if len(m) != 0 {
			die("delete left keys")
		}
		var rt rates
		rt.add(n, sp)
		rt.emit("delete_all")
		emit("memory", "bytes_after_delete_per_entry",
			float64(heapAlloc()-heap0)/float64(n), "B")
	}
	runtime.KeepAlive(m)
	m = nil

	if wanted("latency") {
		// One OS thread for the timed inserts, so that its involuntary
		// context switches are the ones that land inside them.
		runtime.GC() // a collected heap, as the C++ harness tidies its own
		runtime.LockOSThread()
		csw0 := threadPreemptions()
		m = make(map[K]V)
		for i := uint64(0); i < n; i++ {
			v := makeValue[V](i)
			a := tscStart()
			m[ins[i]] = v
			lat[i] = tscStop() - a
		}
		preempted := threadPreemptions() - csw0
		runtime.UnlockOSThread()
		if uint64(len(m)) != n {
			die("insert lost keys")
		}
		m = nil
		s := append([]uint64(nil), lat...)
		sort.Slice(s, func(a, b int) bool { return s[a] < s[b] })
		pct := func(p float64) float64 {
			return float64(s[int(p*float64(n-1)+0.5)]) / tpns
		}
		emit("insert_latency", "p50", pct(0.50), "ns")
		emit("insert_latency", "p99", pct(0.99), "ns")
		emit("insert_latency", "p99.9", pct(0.999), "ns")
		emit("insert_latency", "max", float64(s[n-1])/tpns, "ns")
		var total float64
		for _, x := range s {
			total += float64(x)
		}
		emit("insert_latency", "mean", total/float64(n)/tpns, "ns")
		emit("insert_latency", "preemptions", float64(preempted), "")

		if o.seriesDir != "" {
			thr := s[int(0.999*float64(n-1)+0.5)]
			stride := n / o.seriesPoints
			if stride < 1 {
				stride = 1
			}
			path := fmt.Sprintf("%s/series-go_map-k%d-v%d-n%d.dat",
				o.seriesDir, o.ksize, o.vsize, n)
			f, err := os.Create(path)
			if err != nil {
				die(err.Error())
			}
			var b strings.Builder
			fmt.Fprintf(&b, "# go_map k%d v%d n%d: insert index, latency ns;"+
				" every insert above p99.9 (%.0f ns) and every %dth other\n",
				o.ksize, o.vsize, n, float64(thr)/tpns, stride)
			for i := uint64(0); i < n; i++ {
				if lat[i] > thr || i%stride == 0 {
					fmt.Fprintf(&b, "%d %.0f\n", i, float64(lat[i])/tpns)
				}
			}
			if _, err := f.WriteString(b.String()); err != nil {
				die(err.Error())
			}
			f.Close()
		}
	}
	if sum == 42 { // keeps the copied values alive
		fmt.Fprint(os.Stderr, " ")
	}
	// The arrays stay allocated to the end, as in the C++ harness, or
	// the GC would free them between the heap samples.
	runtime.KeepAlive(ins)
	runtime.KeepAlive(look)
	runtime.KeepAlive(miss)
	runtime.KeepAlive(perm)
	runtime.KeepAlive(isUpdate)
	runtime.KeepAlive(lat)
}

func main() {
	flag.IntVar(&o.ksize, "k", 8, "key size: 8, 16 or 32")
	flag.IntVar(&o.vsize, "v", 8, "value size: 8 or 64")
	flag.Uint64Var(&o.n, "n", 100000, "entries")
	flag.IntVar(&o.reps, "r", 3, "repetitions")
	flag.Uint64Var(&o.minOps, "o", 1000000, "lookups/mixed ops per repetition, at least")
	flag.Float64Var(new(float64), "s", 1, "ignored (no concurrent phase)")
	flag.StringVar(&o.seriesDir, "d", "", "directory for the latency series")
	flag.StringVar(&o.only, "w", "", "workloads: lookup,mixed,delete,latency")
	flag.Parse()
	o.seriesPoints = 20000
	if o.n < 2 || o.n > 1<<32-1 || o.reps < 1 {
		flag.Usage()
		os.Exit(2)
	}
	switch {
	case o.ksize == 8 && o.vsize == 8:
		run[uint64, uint64]()
	case o.ksize == 16 && o.vsize == 64:
		run[[2]uint64, [8]uint64]()
	case o.ksize == 32 && o.vsize == 64:
		run[[4]uint64, [8]uint64]()
	case o.ksize == 8 && o.vsize == 64:
		run[uint64, [8]uint64]()
	default:
		flag.Usage()
		os.Exit(2)
	}
}
