/* fsopen.h: opening paths that the kernel keeps below a directory. */
#ifndef GUAD_FSOPEN_H
#define GUAD_FSOPEN_H

int fsopen_beneath(int dirfd, const char *path, int flags);
int fsopen_probe(void);
const char *fsopen_mode(void);

#endif
