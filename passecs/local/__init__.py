"""The local rehearsal: the AWS emulator (moto with adjustments), its bootstrap and state ([local] extra)."""
