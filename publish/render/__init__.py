"""Shared rendering: the document model and styles/ templates become the HTML every edition starts from."""
