"""One package per vendor, the same files in each: __init__ (descriptor), routes, models, schemas."""
