"""site_builder: a static site generator for annotated AI conversations."""

__version__ = "0.1.0"
