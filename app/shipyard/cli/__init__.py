"""The command line: one module per command group, plus output and progress helpers shared by them."""
