"""The document model: plain, typed, frozen values every stage passes on; it imports no other stage."""
