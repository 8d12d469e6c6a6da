// Package serve is nnfc serve: an HTTP server (Go's net/http) that
// answers predictions of nnfc model files.
//
// It speaks the Open Inference Protocol V2 (KServe, Triton, Seldon) with
// Triton's binary tensor data extension, KServe's V1 {"instances": ...}
// JSON and CSV bodies, the V2 health and metadata endpoints, and
// Prometheus metrics. It owns HTTP, limits, batching and reloads; what a
// model computes and how its outputs are named comes from its task
// (internal/task's Serve: the classifier, the tied autoencoder), so that
// a new kind of model (regression, binary, multi-label) changes nothing
// here. A model with a table schema takes raw records instead of rows of
// numbers (table.go), encoded by the schema as nnfc predict encodes a
// file.
//
// The pieces, one file each:
//
//	server.go   routes, bearer-token auth, limits (body, rows, concurrency,
//	            timeouts), one-line JSON errors, SIGHUP reload, shutdown
//	batch.go    the batcher: forward passes on workers, each with its own
//	            copy of every network; small requests queued together go
//	            through one pass, large ones to whichever worker is free
//	model.go    loading a model file (SHA-256, integrity and shape checks)
//	task.go     tensors, and the model's task's outputs as tensors
//	oip.go      OIP V2 requests and answers, JSON and binary
//	v1.go       V1 JSON and CSV requests, V1 answers
//	table.go    a table model's inputs: V2 one input per column, V1
//	            records, CSV, read through the model's data.Schema
//	numbers.go  the JSON number-array scanner (the hot path of JSON requests)
//	metrics.go  Prometheus metrics (client_golang)
//
// A request's rows are read as nnfc predict reads a CSV cell (float64,
// then float32; a binary FP32 tensor is used in place; a float64 table
// model's rows stay float64), normalized with the model's stored
// statistics, and run by the same calls as nnfc predict (Net.Infer on the
// weights infer.Open packed, then the task's probabilities and decision): answers equal predict's to the digits
// it prints (a batch of other rows may change the last bit of a GEMM).
package serve
