/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of the C shims in helpers.c; Rust declares them in vfs.rs, * fsc.rs and sys.rs. */
#ifndef FSRS_CACHEFILES_HELPERS_H
#define FSRS_CACHEFILES_HELPERS_H

#include <linux/types.h>

struct cred;
struct dentry;
struct inode;
struct vfsmount;
struct file;
struct path;
struct fscache_cookie;
struct fscache_cache;
struct fscache_volume;
struct netfs_cache_resources;
struct kiocb;
struct iov_iter;
struct wait_queue_head;
struct poll_table_struct;

unsigned int cfh_debug_mask(void);
void cfh_set_debug_mask(unsigned int mask);
int fsrs_security_secctx_to_secid(const char *secdata, u32 seclen, u32 *secid);
struct dentry *cfh_dget(struct dentry *d);
struct inode *cfh_d_inode(const struct dentry *d);
bool cfh_d_is_negative(const struct dentry *d);
bool cfh_d_is_reg(const struct dentry *d);
bool cfh_d_is_dir(const struct dentry *d);
bool cfh_d_can_lookup(const struct dentry *d);
bool cfh_d_unhashed(const struct dentry *d);
bool cfh_d_mountpoint(const struct dentry *d);
struct dentry *cfh_d_parent(const struct dentry *d);
bool cfh_is_deaddir(struct inode *inode);
unsigned long cfh_i_ino(const struct inode *inode);
blkcnt_t cfh_i_blocks(const struct inode *inode);
void cfh_inode_lock(struct inode *inode);
void cfh_inode_lock_parent(struct inode *inode);
void cfh_inode_unlock(struct inode *inode);
bool cfh_inode_test_kernel_file(const struct inode *inode);
void cfh_inode_set_kernel_file(struct inode *inode);
void cfh_inode_clear_kernel_file(struct inode *inode);
bool cfh_dir_ops_ok(const struct inode *inode);
bool cfh_root_ok(const struct dentry *root);
bool cfh_sb_rdonly(const struct dentry *d);
bool cfh_is_idmapped_mnt(const struct vfsmount *mnt);
struct dentry *cfh_mnt_root(const struct vfsmount *mnt);
struct file *cfh_get_file(struct file *f);
struct inode *cfh_file_inode(const struct file *f);
struct dentry *cfh_file_dentry(const struct file *f);
const struct path *cfh_file_path(const struct file *f);
bool cfh_file_has_rw_iter(const struct file *f);
loff_t cfh_i_size_read(const struct inode *inode);
int cfh_set_size(struct file *file, loff_t size);
int cfh_zero_range(struct file *file, loff_t pos, loff_t len);
int cfh_punch_hole(struct file *file, loff_t pos, loff_t len);
void cfh_put_cred(const struct cred *cred);
const struct cred *cfh_get_cred(const struct cred *cred);
void cfh_get_pwd(struct path *path);
int cfh_sync_fs(struct vfsmount *mnt);
int cfh_security_path_mkdir(const struct path *dir, struct dentry *d, umode_t mode);
int cfh_security_path_unlink(const struct path *dir, struct dentry *d);
int cfh_security_path_rename(const struct path *od, struct dentry *o, const struct path *nd, struct dentry *n);
int cfh_security_check_dir(struct dentry *root);
int cfh_rename(struct dentry *old_dir, struct dentry *old, struct dentry *new_dir, struct dentry *new);
void *cfh_cookie_key(struct fscache_cookie *cookie);
void *cfh_cookie_aux(struct fscache_cookie *cookie);
struct fscache_cookie *cfh_cres_cookie(struct netfs_cache_resources *cres);
void cfh_count_object(struct fscache_cache *cache);
void cfh_uncount_object(struct fscache_cache *cache);
void cfh_wait_for_objects(struct fscache_cache *cache);
void cfh_volume_pin_access(struct fscache_volume *volume);
void cfh_count_read(void);
void cfh_count_write(void);
void cfh_count_no_write_space(void);
void cfh_count_no_create_space(void);
void cfh_count_culled(void);
void cfh_count_dio_misfit(void);
bool cfh_in_task(void);
void cfh_might_sleep(void);
void cfh_kiocb_init(struct kiocb *iocb, struct file *file, loff_t pos, bool write, void (*complete)(struct kiocb *, long));
ssize_t cfh_iocb_read(struct file *file, struct kiocb *iocb, struct iov_iter *iter);
ssize_t cfh_iocb_write(struct file *file, struct kiocb *iocb, struct iov_iter *iter);
void cfh_kiocb_end_write(struct kiocb *iocb);
size_t cfh_iov_iter_count(const struct iov_iter *iter);
void cfh_iov_iter_truncate(struct iov_iter *iter, size_t count);
void cfh_iov_iter_add_count(struct iov_iter *iter, size_t n);
void cfh_init_waitqueue(struct wait_queue_head *wq);
void cfh_wake_up_all(struct wait_queue_head *wq);
void cfh_poll_wait(struct file *file, struct wait_queue_head *wq, struct poll_table_struct *pt);
int cfh_register_error_injection(unsigned int *state);
void cfh_unregister_error_injection(void);

/* trace.c: the cachefiles tracepoints. */
struct fscache_volume;
void cfh_trace_ref(unsigned int obj, unsigned int cookie, int usage, int why);
void cfh_trace_lookup(bool has_obj, unsigned int id, struct dentry *dir, struct dentry *de, int error);
void cfh_trace_mkdir(struct dentry *dir, struct dentry *subdir);
void cfh_trace_tmpfile(unsigned int id, struct inode *backer);
void cfh_trace_link(unsigned int id, struct inode *backer);
void cfh_trace_unlink(bool has_obj, unsigned int id, ino_t ino, int why);
void cfh_trace_rename(bool has_obj, unsigned int id, ino_t ino, int why);
void cfh_trace_coherency(unsigned int id, ino_t ino, u8 content, int why);
void cfh_trace_vol_coherency(struct fscache_volume *vcookie, ino_t ino, int why);
void cfh_trace_prep_read(bool has_obj, unsigned int id, loff_t start, size_t len, unsigned short flags, int source, int why, ino_t cache_inode, ino_t netfs_inode);
void cfh_trace_read(unsigned int id, struct inode *backer, loff_t start, size_t len);
void cfh_trace_write(unsigned int id, struct inode *backer, loff_t start, size_t len);
void cfh_trace_trunc(unsigned int id, struct inode *backer, loff_t from, loff_t to, int why);
void cfh_trace_mark_active(bool has_obj, unsigned int id, struct inode *inode);
void cfh_trace_mark_failed(bool has_obj, unsigned int id, struct inode *inode);
void cfh_trace_mark_inactive(bool has_obj, unsigned int id, struct inode *inode);
void cfh_trace_vfs_error(bool has_obj, unsigned int id, struct inode *backer, int error, int where);
void cfh_trace_io_error(bool has_obj, unsigned int id, struct inode *backer, int error, int where);

#endif
