// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox-mq conformance: mq_open(), mq_close(), mq_unlink(), mq_getattr()
 * and mq_setattr(), with every errno mq_open(3), mq_unlink(3), mq_close(3)
 * and mq_getattr(3) list, as Linux gives them.
 */
#include <limits.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "mq_test.h"

TEST(queue_is_an_mbox_with_linux_defaults)
{
	struct mbox_stat st;
	struct mq_attr a;
	char name[64], path[96];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	test_name(name, sizeof(name), "defaults");
	q = test_create(name, O_RDWR, 0, 0);
	ASSERT_LE(0, q);
	/* The descriptor is /dev/mbox's, not the kernel mqueue filesystem's. */
	ASSERT_EQ(0, test_stat(q, &st));
	snprintf(path, sizeof(path), "/dev/mqueue%s", name);
	EXPECT_NE(0, access(path, F_OK));
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(0, a.mq_flags);
	EXPECT_EQ(10, a.mq_maxmsg);
	EXPECT_EQ(8192, a.mq_msgsize);
	EXPECT_EQ(0, a.mq_curmsgs);
	EXPECT_EQ(0, mq_close(q));
	EXPECT_EQ(0, mq_unlink(name));
}

TEST(defaults_follow_module_parameters)
{
	long old = test_get_param("msgs_default");
	struct mq_attr a;
	char name[64];
	mqd_t q;
	int err;

	SKIP_WITHOUT_DEVICE();
	if (old < 0 || test_set_param("msgs_default", 7))
		SKIP(return, "cannot set msgs_default");
	q = test_create(test_name(name, sizeof(name), "msgdef"), O_RDWR, 0, 0);
	err = mq_getattr(q, &a);
	test_set_param("msgs_default", old);
	ASSERT_EQ(0, err);
	EXPECT_EQ(7, a.mq_maxmsg);
	mq_close(q);
	mq_unlink(name);
}

TEST(attr_sets_sizes_and_curmsgs_counts)
{
	struct mq_attr a;
	char name[64];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "attr"), O_RDWR, 5, 100);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_send(q, "x", 1, 0));
	ASSERT_EQ(0, mq_send(q, "y", 1, 0));
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(5, a.mq_maxmsg);
	EXPECT_EQ(100, a.mq_msgsize);
	EXPECT_EQ(2, a.mq_curmsgs);
	mq_close(q);
	mq_unlink(name);
}

TEST(descriptor_is_always_close_on_exec)
{
	char name[64];
	mqd_t q, r;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "cloexec"), O_RDWR, 0, 0);
	ASSERT_LE(0, q);
	r = mq_open(name, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, r);
	EXPECT_TRUE(fcntl(q, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(r, F_GETFD) & FD_CLOEXEC);
	mq_close(q);
	mq_close(r);
	mq_unlink(name);
}

TEST(mode_is_masked_by_umask)
{
	struct mbox_stat st;
	char name[64];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	umask(027);
	q = mq_open(test_name(name, sizeof(name), "umask"), O_CREAT | O_RDWR, 0666, NULL);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, test_stat(q, &st));
	EXPECT_EQ(0640, st.mode);
	EXPECT_EQ(geteuid(), st.uid);
	mq_close(q);
	mq_unlink(name);
}

TEST(open_existing_ignores_mode_and_attr)
{
	struct mq_attr bad = { .mq_maxmsg = 0, .mq_msgsize = 0 };
	struct mq_attr other = { .mq_maxmsg = 7, .mq_msgsize = 200 };
	struct mq_attr a;
	char name[64];
	mqd_t q, r;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "exist"), O_RDWR, 5, 100);
	ASSERT_LE(0, q);
	r = mq_open(name, O_CREAT | O_RDWR, 0600, &other);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, mq_getattr(r, &a));
	EXPECT_EQ(5, a.mq_maxmsg);
	EXPECT_EQ(100, a.mq_msgsize);
	mq_close(r);
	/* Linux checks attr only when it creates: an invalid one still opens. */
	r = mq_open(name, O_CREAT | O_RDWR, 0600, &bad);
	EXPECT_LE(0, r);
	mq_close(r);
	mq_close(q);
	mq_unlink(name);
}

TEST(open_excl_existing_is_eexist)
{
	struct mq_attr bad = { .mq_maxmsg = -1, .mq_msgsize = 10 };
	char name[64];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "excl"), O_RDWR, 0, 0);
	ASSERT_LE(0, q);
	EXPECT_EQ(-1, mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, NULL));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &bad));
	EXPECT_EQ(EEXIST, errno);
	mq_close(q);
	mq_unlink(name);
}

TEST(open_absent_is_enoent)
{
	char name[64];

	SKIP_WITHOUT_DEVICE();
	EXPECT_EQ(-1, mq_open(test_name(name, sizeof(name), "absent"), O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

TEST(open_bad_attr_is_einval)
{
	static const long bad[][2] = {
		{ 0, 10 }, { -1, 10 }, { 10, 0 }, { 10, -5 }, { 65537, 10 },
		{ 10, 16 * 1024 * 1024 + 1 }, { 1L << 33, 10 },
	};
	char name[64];
	unsigned int i;

	SKIP_WITHOUT_DEVICE();
	test_name(name, sizeof(name), "badattr");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct mq_attr attr = { .mq_maxmsg = bad[i][0], .mq_msgsize = bad[i][1] };

		errno = 0;
		EXPECT_EQ(-1, mq_open(name, O_CREAT | O_RDWR, 0600, &attr));
		EXPECT_EQ(EINVAL, errno) TH_LOG("maxmsg %ld msgsize %ld", bad[i][0], bad[i][1]);
	}
	/* Nothing was created. */
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

TEST(open_both_read_and_write_bits_is_einval)
{
	char name[64];

	SKIP_WITHOUT_DEVICE();
	EXPECT_EQ(-1, mq_open(test_name(name, sizeof(name), "accmode"),
			      O_CREAT | O_ACCMODE, 0600, NULL));
	EXPECT_EQ(EINVAL, errno);
}

static int open_sized(const void *arg)
{
	const struct mq_attr *attr = arg;
	char name[64];
	mqd_t q;

	snprintf(name, sizeof(name), "/mqt-ceiling-%d", getpid());
	q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, attr);
	if (q >= 0) {
		mq_unlink(name);
		return 0;
	}
	return errno;
}

/* Linux: above msg_max or msgsize_max, EINVAL unless CAP_SYS_RESOURCE. */
TEST(sizes_above_module_ceilings)
{
	long msgs_max = test_get_param("msgs_max");
	long size_max = test_get_param("msg_size_max");
	struct mq_attr msgs = { .mq_maxmsg = msgs_max + 1, .mq_msgsize = 16 };
	struct mq_attr size = { .mq_maxmsg = 1, .mq_msgsize = size_max + 1 };
	struct mq_attr at = { .mq_maxmsg = msgs_max, .mq_msgsize = 16 };

	SKIP_WITHOUT_DEVICE();
	if (msgs_max <= 0 || size_max <= 0)
		SKIP(return, "no module parameters");
	EXPECT_EQ(EINVAL, test_as_nobody(open_sized, &msgs));
	EXPECT_EQ(EINVAL, test_as_nobody(open_sized, &size));
	EXPECT_EQ(0, test_as_nobody(open_sized, &at));
	/* Root has CAP_SYS_RESOURCE. */
	EXPECT_EQ(0, open_sized(&msgs));
}

static void expect_name_errno(struct __test_metadata *_metadata, const char *name, int err)
{
	errno = 0;
	EXPECT_EQ(-1, mq_open(name, O_CREAT | O_RDWR, 0600, NULL));
	EXPECT_EQ(err, errno) TH_LOG("mq_open(\"%.20s\")", name);
	errno = 0;
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(err, errno) TH_LOG("mq_unlink(\"%.20s\")", name);
}

TEST(names_fail_as_on_linux)
{
	char name[PATH_MAX + 2];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	expect_name_errno(_metadata, "noslash", EINVAL);
	expect_name_errno(_metadata, "", EINVAL);
	expect_name_errno(_metadata, "/", ENOENT);
	expect_name_errno(_metadata, "/a/b", EACCES);
	expect_name_errno(_metadata, "/.", EACCES);
	expect_name_errno(_metadata, "/..", EACCES);
	memset(name, 'n', sizeof(name) - 1);
	name[0] = '/';
	name[NAME_MAX + 2] = '\0';
	expect_name_errno(_metadata, name, ENAMETOOLONG);
	name[NAME_MAX + 2] = 'n';
	name[sizeof(name) - 1] = '\0';
	expect_name_errno(_metadata, name, ENAMETOOLONG);
	/* NAME_MAX bytes after the slash is still a name. */
	name[NAME_MAX + 1] = '\0';
	q = mq_open(name, O_CREAT | O_RDWR, 0600, NULL);
	ASSERT_LE(0, q);
	mq_close(q);
	EXPECT_EQ(0, mq_unlink(name));
}

static int open_as(const void *arg)
{
	const char *name = arg;
	int flags[] = { O_RDONLY, O_WRONLY, O_RDWR };
	int i, bits = 0;
	mqd_t q;

	/* Bit i: opening with flags[i] failed with EACCES. */
	for (i = 0; i < 3; i++) {
		q = mq_open(name, flags[i]);
		if (q >= 0)
			mq_close(q);
		else if (errno == EACCES)
			bits |= 1 << i;
		else
			return 99;
	}
	q = mq_open(name, O_CREAT | O_RDWR, 0666, NULL);
	if (q < 0 && errno == EACCES)
		bits |= 8;
	return bits;
}

TEST(permission_is_eacces)
{
	char name[64];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	umask(0);
	q = mq_open(test_name(name, sizeof(name), "perm"), O_CREAT | O_RDWR, 0600, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(1 | 2 | 4 | 8, test_as_nobody(open_as, name));
	mq_close(q);
	mq_unlink(name);
	q = mq_open(name, O_CREAT | O_RDWR, 0604, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(2 | 4 | 8, test_as_nobody(open_as, name));
	mq_close(q);
	mq_unlink(name);
}

TEST(open_past_rlimit_nofile_is_emfile)
{
	struct rlimit rl;
	char name[64];
	mqd_t q;
	int fd;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "emfile"), O_RDWR, 0, 0);
	ASSERT_LE(0, q);
	fd = dup(q);
	ASSERT_LE(0, fd);
	close(fd);
	/* fd was the lowest free descriptor: allow exactly up to it. */
	rl.rlim_cur = fd;
	rl.rlim_max = fd;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(EMFILE, errno);
	mq_close(q);
	mq_unlink(name);
}

static int open_until_enfile(const void *arg)
{
	const char *name = arg;
	int i;

	for (i = 0; i < 100000; i++)
		if (mq_open(name, O_RDONLY) < 0)
			return errno;
	return 0;
}

/* ENFILE: the system's file-max, which binds only without CAP_SYS_ADMIN. */
TEST(open_past_file_max_is_enfile)
{
	struct rlimit rl = { 200000, 200000 };
	long nr, unused, max;
	char name[64];
	FILE *f;
	int err;
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	f = fopen("/proc/sys/fs/file-nr", "re");
	if (!f || fscanf(f, "%ld %ld %ld", &nr, &unused, &max) != 3)
		SKIP(return, "no /proc/sys/fs/file-nr");
	fclose(f);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		SKIP(return, "cannot raise RLIMIT_NOFILE");
	umask(0);
	q = mq_open(test_name(name, sizeof(name), "enfile"), O_CREAT | O_RDWR, 0644, NULL);
	ASSERT_LE(0, q);
	f = fopen("/proc/sys/fs/file-max", "we");
	if (!f)
		SKIP(return, "cannot write /proc/sys/fs/file-max");
	fprintf(f, "%ld\n", nr + 200);
	fclose(f);
	err = test_as_nobody(open_until_enfile, name);
	f = fopen("/proc/sys/fs/file-max", "we");
	ASSERT_NE(NULL, f);
	fprintf(f, "%ld\n", max);
	fclose(f);
	EXPECT_EQ(ENFILE, err);
	mq_close(q);
	mq_unlink(name);
}

TEST(create_past_max_mailboxes_is_enospc)
{
	long old = test_get_param("max_mailboxes");
	char names[4][64];
	mqd_t q[4];
	int i, err = 0;

	SKIP_WITHOUT_DEVICE();
	if (old < 0 || test_set_param("max_mailboxes", 2))
		SKIP(return, "cannot set max_mailboxes");
	for (i = 0; i < 4 && !err; i++) {
		q[i] = test_create(test_name(names[i], sizeof(names[i]), "enospc"), O_RDWR, 0, 0);
		err = q[i] < 0 ? errno : 0;
	}
	test_set_param("max_mailboxes", old);
	EXPECT_EQ(ENOSPC, err);
	while (--i >= 0) {
		if (q[i] >= 0) {
			mq_close(q[i]);
			mq_unlink(names[i]);
		}
	}
}

TEST(unlink_removes_the_name_not_the_queue)
{
	char name[64], buf[8192];
	unsigned int prio;
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "unlink"), O_RDWR, 0, 0);
	ASSERT_LE(0, q);
	ASSERT_EQ(0, mq_unlink(name));
	EXPECT_EQ(-1, mq_open(name, O_RDWR));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mq_unlink(name));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, mq_send(q, "kept", 4, 3));
	ASSERT_EQ(4, mq_receive(q, buf, sizeof(buf), &prio));
	EXPECT_EQ(3, prio);
	EXPECT_EQ(0, mq_close(q));
}

static int unlink_as(const void *arg)
{
	return mq_unlink(arg) ? errno : 0;
}

/* Linux's mqueue root is sticky: only the owner unlinks, others get EPERM. */
TEST(unlink_by_non_owner_is_eperm)
{
	char name[64];
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	umask(0);
	q = mq_open(test_name(name, sizeof(name), "unlinkperm"), O_CREAT | O_RDWR, 0666, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(EPERM, test_as_nobody(unlink_as, name));
	EXPECT_EQ(0, mq_unlink(name));
	mq_close(q);
}

/* Every call on a descriptor that is not an mbox queue: EBADF. */
static void expect_ebadf(struct __test_metadata *_metadata, int fd)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct timespec ts = test_abs_ms(10);
	struct mq_attr a = { 0 };
	char buf[8192];

	errno = 0;
	EXPECT_EQ(-1, mq_send(fd, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_timedsend(fd, "x", 1, 0, &ts));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_receive(fd, buf, sizeof(buf), NULL));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_timedreceive(fd, buf, sizeof(buf), NULL, &ts));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_getattr(fd, &a));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_setattr(fd, &a, NULL));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_notify(fd, &sev));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, mq_close(fd));
	EXPECT_EQ(EBADF, errno);
}

TEST(not_a_queue_is_ebadf)
{
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = open("/dev/null", O_RDWR);
	ASSERT_LE(0, fd);
	expect_ebadf(_metadata, fd);
	/* mq_close() closed nothing. */
	EXPECT_EQ(0, fcntl(fd, F_GETFD) < 0);
	close(fd);
	expect_ebadf(_metadata, fd);		/* closed */
	expect_ebadf(_metadata, -1);
	fd = open("/dev/mbox", O_RDWR);		/* no mailbox bound */
	ASSERT_LE(0, fd);
	expect_ebadf(_metadata, fd);
	close(fd);
}

/* A kernel POSIX queue reaching libmbox-mq fails loudly, never silently. */
TEST(kernel_mqueue_descriptor_is_ebadf)
{
	char name[64];
	int fd;

	SKIP_WITHOUT_DEVICE();
	test_name(name, sizeof(name), "kernel");
	fd = syscall(SYS_mq_open, name + 1, O_CREAT | O_RDWR, 0600, NULL);
	if (fd < 0)
		SKIP(return, "no kernel POSIX message queues: %s", strerror(errno));
	expect_ebadf(_metadata, fd);
	close(fd);
	syscall(SYS_mq_unlink, name + 1);
}

TEST(setattr_changes_only_nonblock)
{
	struct mq_attr set = { .mq_flags = O_NONBLOCK, .mq_maxmsg = 99, .mq_msgsize = 99 };
	struct mq_attr old, a;
	char name[64], buf[100];
	mqd_t q, dup_q;

	SKIP_WITHOUT_DEVICE();
	q = test_create(test_name(name, sizeof(name), "setattr"), O_RDWR, 4, 100);
	ASSERT_LE(0, q);
	dup_q = dup(q);
	ASSERT_EQ(0, mq_setattr(q, &set, &old));
	EXPECT_EQ(0, old.mq_flags);
	EXPECT_EQ(4, old.mq_maxmsg);
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	EXPECT_EQ(4, a.mq_maxmsg);
	EXPECT_EQ(100, a.mq_msgsize);
	/* The flag belongs to the open description, shared by dup(). */
	ASSERT_EQ(0, mq_getattr(dup_q, &a));
	EXPECT_EQ(O_NONBLOCK, a.mq_flags);
	EXPECT_EQ(-1, mq_receive(q, buf, sizeof(buf), NULL));
	EXPECT_EQ(EAGAIN, errno);
	set.mq_flags = 0;
	ASSERT_EQ(0, mq_setattr(q, &set, &old));
	EXPECT_EQ(O_NONBLOCK, old.mq_flags);
	ASSERT_EQ(0, mq_getattr(q, &a));
	EXPECT_EQ(0, a.mq_flags);
	set.mq_flags = O_NONBLOCK | O_CREAT;
	EXPECT_EQ(-1, mq_setattr(q, &set, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(dup_q);
	mq_close(q);
	mq_unlink(name);
}

TEST_HARNESS_MAIN
