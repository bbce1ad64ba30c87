fuse-twice
