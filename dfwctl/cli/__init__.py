"""The command line: parse options, run the pipeline, print, map errors to exit codes.

Only this package imports click. Everything printed on stdout is the plan or the result;
progress and logs go to stderr. Commands live in the modules of this package.
"""
from dfwctl.cli.main import main

__all__ = ["main"]
