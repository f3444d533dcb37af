"""Fulfilment: file downloads (stamped, signed, limited) and license key delivery."""
