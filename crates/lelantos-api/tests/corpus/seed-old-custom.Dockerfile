FROM python:3.12-slim
RUN pip install numpy pandas scikit-learn matplotlib
RUN echo "nameserver 8.8.8.8" > /etc/resolv.conf
# expect: 3 resolv-conf-write
