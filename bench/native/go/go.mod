module hmapbench/native

go 1.19
