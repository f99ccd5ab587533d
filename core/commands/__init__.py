"""Sub-commands of the omnimix CLI, one module per area; each exposes register(subparsers)."""
