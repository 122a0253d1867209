"""Flask glue shared by every vendor."""
