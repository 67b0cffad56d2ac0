/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of cachefiles.ko's own C shims (params.c, trace.c); the
 * shared ones are in include/. Rust declares them in sys.rs,
 * error_inject.rs and trace.rs. */
#ifndef FSRS_CACHEFILES_HELPERS_H
#define FSRS_CACHEFILES_HELPERS_H

#include <linux/types.h>

struct fscache_volume;
struct dentry;
struct inode;

/* params.c: the debug module parameter, the error-injection sysctl. */
unsigned int fsrs_debug_mask(void);
void fsrs_set_debug_mask(unsigned int mask);
int fsrs_register_error_injection(unsigned int *state);
void fsrs_unregister_error_injection(void);

/* trace.c: the cachefiles tracepoints. */
void fsrs_trace_ref(unsigned int obj, unsigned int cookie, int usage, int why);
void fsrs_trace_lookup(bool has_obj, unsigned int id, struct dentry *dir, struct dentry *de, int error);
void fsrs_trace_mkdir(struct dentry *dir, struct dentry *subdir);
void fsrs_trace_tmpfile(unsigned int id, struct inode *backer);
void fsrs_trace_link(unsigned int id, struct inode *backer);
void fsrs_trace_unlink(bool has_obj, unsigned int id, ino_t ino, int why);
void fsrs_trace_rename(bool has_obj, unsigned int id, ino_t ino, int why);
void fsrs_trace_coherency(unsigned int id, ino_t ino, u8 content, int why);
void fsrs_trace_vol_coherency(struct fscache_volume *vcookie, ino_t ino, int why);
void fsrs_trace_prep_read(bool has_obj, unsigned int id, loff_t start, size_t len, unsigned short flags, int source, int why, ino_t cache_inode, ino_t netfs_inode);
void fsrs_trace_read(unsigned int id, struct inode *backer, loff_t start, size_t len);
void fsrs_trace_write(unsigned int id, struct inode *backer, loff_t start, size_t len);
void fsrs_trace_trunc(unsigned int id, struct inode *backer, loff_t from, loff_t to, int why);
void fsrs_trace_mark_active(bool has_obj, unsigned int id, struct inode *inode);
void fsrs_trace_mark_failed(bool has_obj, unsigned int id, struct inode *inode);
void fsrs_trace_mark_inactive(bool has_obj, unsigned int id, struct inode *inode);
void fsrs_trace_vfs_error(bool has_obj, unsigned int id, struct inode *backer, int error, int where);
void fsrs_trace_io_error(bool has_obj, unsigned int id, struct inode *backer, int error, int where);
void fsrs_trace_od_open(unsigned int id, u32 msg_id, u32 object_id, u32 fd, u32 flags);
void fsrs_trace_od_copen(unsigned int id, u32 msg_id, long len);
void fsrs_trace_od_close(unsigned int id, u32 msg_id, u32 object_id);
void fsrs_trace_od_read(unsigned int id, u32 msg_id, u32 object_id, u64 off, u64 len);
void fsrs_trace_od_cread(unsigned int id, u32 msg_id);
void fsrs_trace_od_fd_write(unsigned int id, struct inode *backer, loff_t start, size_t len);
void fsrs_trace_od_fd_release(unsigned int id, int object_id);

#endif
