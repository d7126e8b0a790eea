"""The ML lifecycle against a deployed stack's Azure ML workspace: `python -m jobs --help`.

Kept import-light: azure-ai-ml (about 2 s to import) loads only inside the subcommands that use it.
"""
