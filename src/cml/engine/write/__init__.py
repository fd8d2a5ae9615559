"""The write path's rule engines: what a new memory adds, and which older memory it replaces."""
