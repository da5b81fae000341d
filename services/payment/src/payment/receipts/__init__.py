"""Receipts (回款 / 到账): money received, recorded once per external reference."""
