"""doctor's rules over the files and the project model, and the online probes."""
