"""Pure allocation solvers: arrays in, results out."""
