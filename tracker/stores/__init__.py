"""What the stores send: signature checks and each platform's webhook parsed into an OrderEvent."""
