package main

//go:generate go run ./testdata/gen -out testdata/sample
