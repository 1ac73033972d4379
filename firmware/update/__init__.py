# Firmware update: image bundles, their signature check and the A/B slots (docs/update.md).
