"""Git side of the extraction: the hardened ``git`` invocation, the one-walk reader, its records, the builder."""
