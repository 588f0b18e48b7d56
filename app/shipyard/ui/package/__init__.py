"""The Package tab: the model card editor, export, signing keys and verification."""
