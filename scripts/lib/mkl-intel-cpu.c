/*
 * Lets MKL (linked into libtorch) use the kernels its cpuid check selects on AMD CPUs too. MKL decides by CPU vendor
 * first and runs slower generic code on non-Intel processors; libtorch exports MKL's vendor check, so preloading this
 * definition replaces it. scripts/rsa builds it (build/libmkl-intel-cpu.so) and preloads it on AuthenticAMD CPUs;
 * RSA_MKL_SHIM=0 turns it off. Measured on an AMD EPYC (Zen 4), 1 thread: the 32k-vocabulary lm head
 * [64,256] x [256,32768] 22 -> 13 ms, [16,768] x [768,32768] 27 -> 19 ms.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
