"""The two generators, their critics, their building blocks and the checkpoint format."""
