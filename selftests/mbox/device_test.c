// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mbox itself: the device node, ABI discovery through MBOX_IOC_VERSION,
 * the ioctl argument rules every command shares, and the module's lifetime.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define MISC_MAJOR 10

/* struct mbox_version as a newer header might define it: 8 more bytes. */
struct mbox_version_next {
	struct mbox_version v;
	__u64 next;
};

#define MBOX_IOC_VERSION_NEXT \
	_IOWR(MBOX_IOCTL_MAGIC, 0x00, struct mbox_version_next)

FIXTURE(device) {
	int fd;
};

FIXTURE_SETUP(device)
{
	mbox_open_or_skip(self->fd);
}

FIXTURE_TEARDOWN(device)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(device, node_is_misc_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(MBOX_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST_F(device, version_reports_abi_and_ioctls)
{
	struct mbox_version v;

	/* Out fields are written whatever they held: no stale bytes survive. */
	memset(&v, 0xa5, sizeof(v));
	v.pad = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_VERSION, &v));
	EXPECT_EQ(MBOX_ABI_VERSION, v.abi_version);
	EXPECT_EQ(0, v.pad);
	EXPECT_EQ(1ULL << _IOC_NR(MBOX_IOC_VERSION),
		  v.ioctls & (1ULL << _IOC_NR(MBOX_IOC_VERSION)));
	EXPECT_EQ(0, v.ioctls >> 63);
}

TEST_F(device, version_nonzero_pad_is_einval)
{
	struct mbox_version v = { .pad = 1 };

	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_VERSION, &v));
}

TEST_F(device, version_bad_pointers_are_efault)
{
	void *unmapped;

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);

	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_VERSION, NULL));
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_VERSION, unmapped));
	/* The kernel's direct map: user copies must refuse it. */
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_VERSION,
				      (void *)0xffff888000000000ULL));
	munmap(unmapped, 4096);
}

TEST_F(device, version_read_only_memory_is_efault)
{
	struct mbox_version *ro;

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	/* The argument reads as valid, but the answer cannot be written. */
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_VERSION, ro));
	munmap(ro, 4096);
}

TEST_F(device, unknown_ioctls_are_enotty)
{
	struct mbox_version v = { 0 };

	EXPECT_EQ(-ENOTTY, mbox_ioctl(self->fd, _IO(MBOX_IOCTL_MAGIC, 0x3f), NULL));
	EXPECT_EQ(-ENOTTY, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 0xff,
							 struct mbox_version), &v));
	/* Right number, wrong magic. */
	EXPECT_EQ(-ENOTTY, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC + 1, 0x00,
							 struct mbox_version), &v));
	/* Right number, wrong direction. */
	EXPECT_EQ(-ENOTTY, mbox_ioctl(self->fd, _IOR(MBOX_IOCTL_MAGIC, 0x00,
							struct mbox_version), &v));
}

TEST_F(device, version_shorter_than_ver0_is_einval)
{
	struct mbox_version v = { 0 };

	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE,
		MBOX_IOCTL_MAGIC, 0x00, MBOX_VERSION_SIZE_VER0 - 8), &v));
}

TEST_F(device, version_newer_struct_with_zero_tail_works)
{
	struct mbox_version_next n = { 0 };

	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_VERSION_NEXT, &n));
	EXPECT_EQ(MBOX_ABI_VERSION, n.v.abi_version);
	EXPECT_EQ(0, n.next);
}

TEST_F(device, version_newer_struct_with_nonzero_tail_is_e2big)
{
	struct mbox_version_next n = { .next = 1 };

	EXPECT_EQ(-E2BIG, mbox_ioctl(self->fd, MBOX_IOC_VERSION_NEXT, &n));
}

TEST_F(device, handle_is_not_seekable)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

static long module_refcnt(void)
{
	long n = -1;
	FILE *f;

	f = fopen("/sys/module/mbox/refcnt", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

TEST_F(device, open_handle_pins_module)
{
	long before;
	int fd2;

	before = module_refcnt();
	if (before < 0)
		SKIP(return, "mbox is not a loadable module here");
	ASSERT_LE(1, before);	/* the fixture's handle */

	fd2 = open(MBOX_DEV, O_RDWR);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(before + 1, module_refcnt());
	/* Unload must be refused while any handle is open. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "mbox", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd2);
	EXPECT_EQ(before, module_refcnt());
}

TEST_HARNESS_MAIN
