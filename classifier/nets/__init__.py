"""nn.Modules only, no I/O."""
