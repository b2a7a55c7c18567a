"""The parts of the longer pages, each module named for its page: what the page lays out, in pieces."""
