"""Independent peer implementations of project models, for docking."""
