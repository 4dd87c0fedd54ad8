"""Agreement terms, one module per kind of term: each owns its model, its one list of names and
its decision, so a new kind of cumulation (or proof, or stacking) is edited in one place."""
