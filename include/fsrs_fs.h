/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of rust/helpers/fs.c: VFS objects: dentries, inodes, files,
 * mounts, paths, the LSM path hooks, rename.
 */
#ifndef FSRS_FS_H
#define FSRS_FS_H

#include <linux/types.h>

struct dentry;
struct inode;
struct vfsmount;
struct file;
struct path;
struct super_block;

struct dentry *fsrs_dget(struct dentry *d);
struct inode *fsrs_d_inode(const struct dentry *d);
bool fsrs_d_is_negative(const struct dentry *d);
bool fsrs_d_is_reg(const struct dentry *d);
bool fsrs_d_is_dir(const struct dentry *d);
bool fsrs_d_can_lookup(const struct dentry *d);
bool fsrs_d_unhashed(const struct dentry *d);
bool fsrs_d_mountpoint(const struct dentry *d);
struct dentry *fsrs_d_parent(const struct dentry *d);
bool fsrs_is_deaddir(struct inode *inode);
unsigned long fsrs_i_ino(const struct inode *inode);
blkcnt_t fsrs_i_blocks(const struct inode *inode);
void fsrs_inode_lock(struct inode *inode);
void fsrs_inode_lock_parent(struct inode *inode);
void fsrs_inode_unlock(struct inode *inode);
bool fsrs_inode_test_kernel_file(const struct inode *inode);
void fsrs_inode_set_kernel_file(struct inode *inode);
void fsrs_inode_clear_kernel_file(struct inode *inode);
bool fsrs_sb_rdonly(const struct super_block *sb);
bool fsrs_is_idmapped_mnt(const struct vfsmount *mnt);
struct dentry *fsrs_mnt_root(const struct vfsmount *mnt);
struct file *fsrs_get_file(struct file *f);
struct inode *fsrs_file_inode(const struct file *f);
struct dentry *fsrs_file_dentry(const struct file *f);
const struct path *fsrs_file_path(const struct file *f);
bool fsrs_file_has_rw_iter(const struct file *f);
loff_t fsrs_i_size_read(const struct inode *inode);
int fsrs_set_size(struct file *file, loff_t size);
int fsrs_zero_range(struct file *file, loff_t pos, loff_t len);
int fsrs_punch_hole(struct file *file, loff_t pos, loff_t len);
void fsrs_get_pwd(struct path *path);
int fsrs_sync_fs(struct vfsmount *mnt);
int fsrs_security_inode_mkdir(struct inode *dir, struct dentry *d, umode_t mode);
int fsrs_security_inode_create(struct inode *dir, struct dentry *d, umode_t mode);
int fsrs_security_path_mkdir(const struct path *dir, struct dentry *d, umode_t mode);
int fsrs_security_path_unlink(const struct path *dir, struct dentry *d);
int fsrs_security_path_rename(const struct path *od, struct dentry *o, const struct path *nd, struct dentry *n);
int fsrs_rename(struct dentry *old_dir, struct dentry *old, struct dentry *new_dir, struct dentry *new);
struct file_operations;
struct file *fsrs_anon_getfile(const char *name, const struct file_operations *fops,
			       void *priv, int flags);

#endif
