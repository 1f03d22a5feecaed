//! Designs saved on the server: each save is a new version with a message.
