"""Voucher inbox (bilag): hostile-input-safe intake of e-mail, EHF, PDF and OCR into one model."""
