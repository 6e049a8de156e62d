"""Loading landing files into the raw layer of the build database, with vintages, audit and quarantine."""
