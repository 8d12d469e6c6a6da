package data

//go:generate go run ./internal/gendata -out ../../testdata/data
