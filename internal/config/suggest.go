package config

// Suggest returns " (did you mean KEY?)" naming the configuration key
// closest to an unknown one, or "" when none is close; nnfc sweep uses it
// for the keys of a search space.
func Suggest(key string) string { return suggest(key) }
