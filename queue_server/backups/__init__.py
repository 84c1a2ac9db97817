"""Backups: `motcua-server backup` / `restore`, their verification, and the scheduled daily backup."""
