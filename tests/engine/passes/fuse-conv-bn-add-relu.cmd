fuse
