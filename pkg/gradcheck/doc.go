// Package gradcheck proves hand-written gradients against centered finite
// differences, in float64.
//
// For a scalar function f of a parameter vector x, the numerical gradient
// is a centered difference: the five-point stencil
// n_i = (8(f(x+h·e_i) − f(x−h·e_i)) − (f(x+2h·e_i) − f(x−2h·e_i))) / 12h,
// or the course's two-point (f(x+h·e_i) − f(x−h·e_i)) / 2h. It is compared with the
// analytic gradient a by the relative error of the course,
//
//	rel = max_i |a_i − n_i| / max(1e-8, |a_i| + |n_i|),
//
// reported with the index where it is worst. Around 1e-7 or less is right
// for smooth functions in float64; above 1e-2 is wrong.
//
// A layer (anything with Forward and Backward) is checked through the
// scalar f = Σ out ⊙ dout for a fixed random upstream gradient dout: its
// gradient with respect to the input is exactly what Backward(dout)
// returns, and with respect to a parameter what Backward accumulates.
//
// The same functions serve the Go tests and the nnfc gradcheck command.
package gradcheck
