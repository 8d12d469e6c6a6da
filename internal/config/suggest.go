package config

// Suggest returns " (did you mean KEY?)" naming the configuration key
// closest to an unknown one, or "" when none is close; nnfc sweep uses it
// for the keys of a search space.
func Suggest(key string) string { return suggest(key) }

// EditDistance is the Levenshtein distance between a and b, for the
// suggestions of the command line.
func EditDistance(a, b string) int { return editDistance(a, b) }
