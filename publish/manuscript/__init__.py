"""Reading a manuscript folder: every file checked and contained, every problem collected with its line."""
