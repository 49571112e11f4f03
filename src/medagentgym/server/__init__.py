"""Serve environments over HTTP, so trainers in other processes or machines can drive episodes."""
