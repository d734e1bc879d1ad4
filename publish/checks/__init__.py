"""`publish check`: the build's own checks, run without building, and checks of built editions."""
