prepare nash-m qat
