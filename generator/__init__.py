"""A static-site news digest generator: read -> validate -> model -> group -> render -> emit."""
