/* The project's build-time options for dropbear (read by its default_options.h; see
 * Userspace/dropbear/build.sh). Everything not set here keeps Debian's upstream default. */

/* One process per connection, forked from the listener: no re-exec of /proc/self/exe. */
#define DROPBEAR_REEXEC 0

/* The guest's programs: busybox's applets, then the project's own. */
#define DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/bin"
#define DEFAULT_ROOT_PATH "/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/bin"

/* The guest has no X server and no sftp-server: scp uses the scp protocol (OpenSSH's `scp -O`). */
#define DROPBEAR_X11FWD 0
#define SFTPSERVER_PATH "/usr/libexec/sftp-server"

/* Host keys live where Debian's dropbear package keeps them. */
#define DSS_PRIV_FILENAME "/etc/dropbear/dropbear_dss_host_key"
#define RSA_PRIV_FILENAME "/etc/dropbear/dropbear_rsa_host_key"
#define ECDSA_PRIV_FILENAME "/etc/dropbear/dropbear_ecdsa_host_key"
#define ED25519_PRIV_FILENAME "/etc/dropbear/dropbear_ed25519_host_key"

/* Every connection through the host's port forward comes from the same address (user-mode networking's
 * gateway, 10.0.2.2): upstream's 5 unauthenticated connections per address would refuse the sixth of a
 * few simultaneous logins. The global limit stays upstream's 30. */
#define MAX_UNAUTH_PER_IP 16
