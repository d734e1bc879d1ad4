"""A book's texts laid out side by side, one process each, and bound into the book's one PDF."""
